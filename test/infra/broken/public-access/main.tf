# Planted: refundSync made public, a public bucket, and the webhook given
# more than invoking. Making the webhook invokable by anyone is correct.

resource "google_service_account" "push" {
  account_id = "push"
}

resource "google_cloudfunctions2_function" "webhook" {
  name     = "stripe-webhook"
  location = "europe-west1"

  build_config {
    runtime     = "nodejs22"
    entry_point = "stripeWebhook"
  }
}

resource "google_cloudfunctions2_function" "refund_sync" {
  name     = "refund-sync"
  location = "europe-west1"

  build_config {
    runtime     = "nodejs22"
    entry_point = "refundSync"
  }
}

resource "google_storage_bucket" "source" {
  name     = "broken-policy-source"
  location = "europe-west1"
}

resource "google_cloud_run_v2_service_iam_member" "webhook_public" {
  location = "europe-west1"
  name     = google_cloudfunctions2_function.webhook.service_config[0].service
  role     = "roles/run.invoker"
  member   = "allUsers"
}

resource "google_cloud_run_v2_service_iam_member" "webhook_public_admin" {
  location = "europe-west1"
  name     = google_cloudfunctions2_function.webhook.service_config[0].service
  role     = "roles/run.admin"
  member   = "allUsers"
}

resource "google_cloud_run_v2_service_iam_member" "refund_sync_public" {
  location = "europe-west1"
  name     = google_cloudfunctions2_function.refund_sync.name
  role     = "roles/run.invoker"
  member   = "allAuthenticatedUsers"
}

resource "google_storage_bucket_iam_member" "source_public" {
  bucket = google_storage_bucket.source.name
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}
