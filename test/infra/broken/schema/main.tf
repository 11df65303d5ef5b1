# Each resource below plants one mistake the provider's schema catches;
# the last ones are correct, to show that they pass.

provider "google" {
  project = "broken-schema"
  regin   = "europe-west1" # Planted: a misspelt provider argument.
}

# Planted: a resource type the provider does not have.
resource "google_pubsub_topicc" "misspelt_type" {
  name = "stripe-events"
}

# Planted: a misspelt argument.
resource "google_pubsub_topic" "unknown_argument" {
  name              = "stripe-events"
  message_retention = "604800s"
}

# Planted: the required topic is missing.
resource "google_pubsub_subscription" "missing_required" {
  name = "stripe-events-refund-sync"
}

# Planted: a single block given twice.
resource "google_pubsub_subscription" "repeated_block" {
  name  = "stripe-events-refund-sync"
  topic = "stripe-events"

  retry_policy {
    minimum_backoff = "10s"
  }

  retry_policy {
    maximum_backoff = "600s"
  }
}

# Planted: a block written as an attribute.
resource "google_pubsub_subscription" "block_as_attribute" {
  name  = "stripe-events-refund-sync"
  topic = "stripe-events"

  retry_policy = {
    minimum_backoff = "10s"
  }
}

# Planted: a nested block the push_config block does not have.
resource "google_pubsub_subscription" "unknown_nested_block" {
  name  = "stripe-events-refund-sync"
  topic = "stripe-events"

  push_config {
    push_endpoint = "https://example.invalid/"

    oidc {
      service_account_email = "push@broken-schema.iam.gserviceaccount.com"
    }
  }
}

# Planted: the required replication block is missing.
resource "google_secret_manager_secret" "missing_required_block" {
  secret_id = "STRIPE_SECRET_KEY"
}

# Planted: setting an attribute only the provider computes.
resource "google_cloudfunctions2_function" "computed_attribute" {
  name     = "refund-sync"
  location = "europe-west1"
  url      = "https://example.invalid/"
}

# Planted: a dynamic block the service_config block does not have.
resource "google_cloudfunctions2_function" "unknown_dynamic_block" {
  name     = "stripe-webhook"
  location = "europe-west1"

  service_config {
    dynamic "secret_environment_variable" {
      for_each = toset(["STRIPE_WEBHOOK_SECRET"])

      content {
        key        = secret_environment_variable.value
        project_id = "broken-schema"
        secret     = secret_environment_variable.value
        version    = "latest"
      }
    }
  }
}

# Planted: a lifecycle argument Terraform does not have.
resource "google_pubsub_topic" "unknown_lifecycle_argument" {
  name = "stripe-events-dead-letter"

  lifecycle {
    prevent_destroi = true
  }
}

# Planted: a data source type the provider does not have.
data "google_projekt" "misspelt_data_source" {
  project_id = "broken-schema"
}

# Correct: nested, dynamic and meta-argument blocks the schema allows.
resource "google_cloudfunctions2_function" "correct" {
  name     = "refund-sync"
  location = "europe-west1"

  build_config {
    runtime     = "nodejs22"
    entry_point = "refundSync"
  }

  service_config {
    dynamic "secret_environment_variables" {
      for_each = toset(["STRIPE_SECRET_KEY"])

      content {
        key        = secret_environment_variables.value
        project_id = "broken-schema"
        secret     = secret_environment_variables.value
        version    = "latest"
      }
    }
  }

  lifecycle {
    prevent_destroy = true
  }
}
