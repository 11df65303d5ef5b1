# Planted: credentials through Terraform, four ways. The secret itself and
# its secret environment variable are correct.

variable "stripe_secret_key" {
  type        = string
  description = "Planted: a credential as an input variable."
  sensitive   = true
}

resource "google_secret_manager_secret" "stripe_secret_key" {
  secret_id = "STRIPE_SECRET_KEY"

  replication {
    auto {}
  }
}

resource "google_secret_manager_secret_version" "stripe_secret_key" {
  secret      = google_secret_manager_secret.stripe_secret_key.id
  secret_data = var.stripe_secret_key
}

data "google_secret_manager_secret_version" "webhook_secret" {
  secret = "STRIPE_WEBHOOK_SECRET"
}

resource "google_cloudfunctions2_function" "refund_sync" {
  name     = "refund-sync"
  location = "europe-west1"

  service_config {
    environment_variables = {
      MOLTIN_CLIENT_SECRET  = "kept-in-plain-sight"
      ORDER_ID_METADATA_KEY = "order_id"
    }

    secret_environment_variables {
      key        = "STRIPE_SECRET_KEY"
      project_id = "broken-policy"
      secret     = google_secret_manager_secret.stripe_secret_key.secret_id
      version    = "latest"
    }
  }
}

resource "google_cloudfunctions2_function" "webhook" {
  name     = "stripe-webhook"
  location = "europe-west1"

  service_config {
    environment_variables = merge(
      { PUBSUB_TOPIC = "stripe-events" },
      { STRIPE_WEBHOOK_SECRET = data.google_secret_manager_secret_version.webhook_secret.secret_data },
    )
  }
}

resource "google_pubsub_topic" "events" {
  name = "stripe-events"

  labels = {
    # Planted: a credential pasted into a label.
    note = "whsec_planted0000"
  }
}
