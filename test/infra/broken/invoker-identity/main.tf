# Planted: refundSync invokable by a service account that does not push to
# it, and a second pushed-to function its push identity may not invoke.

locals {
  refund_sync_url = google_cloudfunctions2_function.refund_sync.service_config[0].uri
  audit_url       = google_cloudfunctions2_function.audit.service_config[0].uri
}

resource "google_service_account" "push" {
  account_id = "push"
}

resource "google_service_account" "webhook" {
  account_id = "webhook"
}

resource "google_cloudfunctions2_function" "refund_sync" {
  name     = "refund-sync"
  location = "europe-west1"

  build_config {
    runtime     = "nodejs22"
    entry_point = "refundSync"
  }
}

resource "google_cloudfunctions2_function" "audit" {
  name     = "audit"
  location = "europe-west1"

  build_config {
    runtime     = "nodejs22"
    entry_point = "audit"
  }
}

resource "google_pubsub_topic" "events" {
  name = "stripe-events"
}

resource "google_pubsub_subscription" "refund_sync" {
  name  = "stripe-events-refund-sync"
  topic = google_pubsub_topic.events.id

  push_config {
    push_endpoint = local.refund_sync_url

    oidc_token {
      service_account_email = google_service_account.push.email
      audience              = local.refund_sync_url
    }
  }
}

resource "google_pubsub_subscription" "audit" {
  name  = "stripe-events-audit"
  topic = google_pubsub_topic.events.id

  push_config {
    push_endpoint = local.audit_url

    oidc_token {
      service_account_email = google_service_account.push.email
      audience              = local.audit_url
    }
  }
}

# Correct: the push identity may invoke refundSync.
resource "google_cloud_run_v2_service_iam_member" "refund_sync_push" {
  location = "europe-west1"
  name     = google_cloudfunctions2_function.refund_sync.service_config[0].service
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.push.email}"
}

resource "google_cloud_run_v2_service_iam_member" "refund_sync_webhook" {
  location = "europe-west1"
  name     = google_cloudfunctions2_function.refund_sync.service_config[0].service
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.webhook.email}"
}

resource "google_cloudfunctions2_function_iam_member" "refund_sync_operator" {
  location       = "europe-west1"
  cloud_function = google_cloudfunctions2_function.refund_sync.name
  role           = "roles/cloudfunctions.invoker"
  member         = "user:operator@example.com"
}
