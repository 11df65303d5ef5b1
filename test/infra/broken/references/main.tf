# Each resource below plants one reference that does not resolve; the
# first ones are what they refer to, and are correct.

variable "project_id" {
  type        = string
  description = "Project."
}

variable "region" {
  type        = string
  description = "Region."
  default     = "europe-west1"

  validation {
    # Planted: before Terraform 1.9 a validation reads only its variable.
    condition     = var.region != var.project_id
    error_message = "region must not be the project."
  }
}

# Planted: declared and never used.
variable "unused" {
  type        = string
  description = "Nothing reads this."
  default     = ""
}

locals {
  topic_name = "stripe-events"
}

data "google_project" "this" {
  project_id = var.project_id
}

resource "google_pubsub_topic" "events" {
  name = local.topic_name
}

resource "google_secret_manager_secret" "credential" {
  for_each  = toset(["STRIPE_SECRET_KEY"])
  secret_id = each.key

  replication {
    auto {}
  }
}

resource "google_cloudfunctions2_function" "refund_sync" {
  name     = "refund-sync"
  location = var.region
}

# Planted: a variable nobody declared.
resource "google_pubsub_topic" "undeclared_variable" {
  name = var.topic
}

# Planted: a local nobody declared.
resource "google_pubsub_topic" "undeclared_local" {
  name = local.dead_letter_topic_name
}

# Planted: a resource nobody declared.
resource "google_pubsub_subscription" "undeclared_resource" {
  name  = "stripe-events-refund-sync"
  topic = google_pubsub_topic.stripe_events.id
}

# Planted: a data source nobody declared.
resource "google_pubsub_topic" "undeclared_data_source" {
  name = "stripe-events-${data.google_project.other.number}"
}

# Planted: an attribute the topic does not have.
resource "google_pubsub_subscription" "unknown_attribute" {
  name  = "stripe-events-refund-sync"
  topic = google_pubsub_topic.events.topic_name
}

# Planted: a nested block read without an index.
resource "google_pubsub_subscription" "block_without_index" {
  name  = "stripe-events-refund-sync"
  topic = google_pubsub_topic.events.id

  push_config {
    push_endpoint = google_cloudfunctions2_function.refund_sync.service_config.uri
  }
}

# Planted: a for_each resource read without naming an instance.
resource "google_secret_manager_secret_iam_member" "instance_without_key" {
  secret_id = google_secret_manager_secret.credential.id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:refund-sync@broken-references.iam.gserviceaccount.com"
}

# Planted: a single resource read with an index.
resource "google_pubsub_subscription" "index_on_single" {
  name  = "stripe-events-inspect"
  topic = google_pubsub_topic.events[0].id
}

# Planted: each.key in a resource without for_each.
resource "google_pubsub_topic" "each_without_for_each" {
  name = "stripe-events-${each.key}"
}

# Planted: declared twice.
resource "google_pubsub_topic" "events" {
  name = "stripe-events-again"
}

# Correct: an instance by key, a nested block by index, and a data source.
resource "google_secret_manager_secret_iam_member" "correct" {
  secret_id = google_secret_manager_secret.credential["STRIPE_SECRET_KEY"].id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_cloudfunctions2_function.refund_sync.service_config[0].service_account_email}"
  project   = data.google_project.this.project_id
}
