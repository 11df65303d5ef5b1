# Every identity the service uses and everything each may do, in one place.
# Each grant names one member on one resource; the only project-level grant
# is writing build logs, which has no narrower resource.

resource "google_service_account" "webhook" {
  account_id   = "${var.name_prefix}-webhook"
  display_name = "stripeWebhook: publishes verified Stripe events"

  depends_on = [google_project_service.enabled]
}

resource "google_service_account" "refund_sync" {
  account_id   = "${var.name_prefix}-refund-sync"
  display_name = "refundSync: marks Moltin transactions refunded"

  depends_on = [google_project_service.enabled]
}

resource "google_service_account" "push" {
  account_id   = "${var.name_prefix}-push"
  display_name = "Pub/Sub push identity: the only caller of refundSync"

  depends_on = [google_project_service.enabled]
}

resource "google_service_account" "build" {
  account_id   = "${var.name_prefix}-build"
  display_name = "Builds the functions' images from their source"

  depends_on = [google_project_service.enabled]
}

locals {
  function_service_accounts = {
    webhook     = google_service_account.webhook.email
    refund_sync = google_service_account.refund_sync.email
  }
}

# Each function reads only its own credentials.
resource "google_secret_manager_secret_iam_member" "credential_reader" {
  for_each = local.credentials

  secret_id = google_secret_manager_secret.credential[each.key].id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${local.function_service_accounts[each.value]}"
}

resource "google_pubsub_topic_iam_member" "webhook_publisher" {
  topic  = google_pubsub_topic.events.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.webhook.email}"
}

resource "google_pubsub_topic_iam_member" "refund_sync_dead_letter_publisher" {
  topic  = google_pubsub_topic.dead_letter.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.refund_sync.email}"
}

# Stripe cannot authenticate to Google, so anyone may call the webhook; its
# Stripe signature check is what turns callers away.
resource "google_cloud_run_v2_service_iam_member" "webhook_public_invoker" {
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.webhook.service_config[0].service
  role     = "roles/run.invoker"
  member   = "allUsers"
}

# refundSync answers only requests signed for the push service account.
resource "google_cloud_run_v2_service_iam_member" "refund_sync_invoker" {
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.refund_sync.service_config[0].service
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.push.email}"
}

# Pub/Sub's own service agent forwards events that used up their delivery
# attempts: without these two grants dead-lettering fails silently.
resource "google_pubsub_topic_iam_member" "dead_letter_forwarder" {
  topic  = google_pubsub_topic.dead_letter.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${local.pubsub_service_agent}"
}

resource "google_pubsub_subscription_iam_member" "dead_letter_acknowledger" {
  subscription = google_pubsub_subscription.refund_sync.id
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${local.pubsub_service_agent}"
}

# Projects created before April 2021 need this for Pub/Sub to sign the
# push requests' OIDC tokens as the push service account.
resource "google_service_account_iam_member" "push_token_creator" {
  service_account_id = google_service_account.push.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${local.pubsub_service_agent}"
}

# What Cloud Build needs to turn the source archive into the functions'
# images: read the source, push to the repository, write its logs.
resource "google_storage_bucket_iam_member" "build_source_reader" {
  bucket = google_storage_bucket.source.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.build.email}"
}

resource "google_artifact_registry_repository_iam_member" "build_image_writer" {
  project    = var.project_id
  location   = google_artifact_registry_repository.functions.location
  repository = google_artifact_registry_repository.functions.name
  role       = "roles/artifactregistry.writer"
  member     = "serviceAccount:${google_service_account.build.email}"
}

resource "google_project_iam_member" "build_log_writer" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = "serviceAccount:${google_service_account.build.email}"
}
