locals {
  # The code and the operator CLIs use these names when none is configured,
  # so they are fixed here rather than prefixed.
  events_topic_name           = "stripe-events"
  dead_letter_topic_name      = "stripe-events-dead-letter"
  push_subscription_name      = "stripe-events-refund-sync"
  dead_letter_inspection_name = "stripe-events-dead-letter-inspect"
  message_retention           = "604800s"
  push_ack_deadline_seconds   = var.refund_sync_timeout_seconds + 30
  webhook_timeout_seconds     = 30
  webhook_function_name       = "${var.name_prefix}-stripe-webhook"
  refund_sync_function_name   = "${var.name_prefix}-refund-sync"

  # Pub/Sub's own identity in the project, which forwards dead letters.
  project_number       = data.google_project.this.number
  pubsub_agent_domain  = "gcp-sa-pubsub.iam.gserviceaccount.com"
  pubsub_service_agent = "service-${local.project_number}@${local.pubsub_agent_domain}"

  # One secret per credential, and the function that reads it. Terraform
  # creates the secrets, never their values: those are added with
  # `npm run secrets`, so they never reach state, a plan or tfvars.
  credentials = {
    STRIPE_WEBHOOK_SECRET = "webhook"
    STRIPE_SECRET_KEY     = "refund_sync"
    MOLTIN_CLIENT_ID      = "refund_sync"
    MOLTIN_CLIENT_SECRET  = "refund_sync"
  }
}

# Read through the Cloud Resource Manager API, which a new project may not
# have enabled yet.
data "google_project" "this" {
  project_id = var.project_id

  depends_on = [google_project_service.enabled]
}
