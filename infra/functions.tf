# Both functions deploy from one archive of the compiled package, staged in
# infra/build/source by `npm run package:source` (package.json, the lock
# file and dist/functions). Cloud Build installs the production
# dependencies from the lock file; the staged package.json has no build
# script and an empty gcp-build one, so nothing tries to compile TypeScript.
data "archive_file" "source" {
  type        = "zip"
  source_dir  = "${path.module}/build/source"
  output_path = "${path.module}/build/function-source.zip"
}

resource "google_storage_bucket" "source" {
  name     = "${var.project_id}-${var.name_prefix}-source"
  location = var.region

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true

  depends_on = [google_project_service.enabled]
}

# Named by its content, so that a changed package deploys a new revision.
resource "google_storage_bucket_object" "source" {
  name   = "function-source-${data.archive_file.source.output_md5}.zip"
  bucket = google_storage_bucket.source.name
  source = data.archive_file.source.output_path
}

# The functions' images, in a repository this configuration owns, so that
# the build service account needs write access to it alone.
resource "google_artifact_registry_repository" "functions" {
  location      = var.region
  repository_id = "${var.name_prefix}-functions"
  format        = "DOCKER"
  description   = "Images of the stripeWebhook and refundSync functions."

  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"

    most_recent_versions {
      keep_count = 5
    }
  }

  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"

    condition {
      older_than = "2592000s"
    }
  }

  depends_on = [google_project_service.enabled]
}

resource "google_cloudfunctions2_function" "webhook" {
  name        = local.webhook_function_name
  location    = var.region
  description = "Verifies Stripe webhooks and publishes the events to Pub/Sub."

  build_config {
    runtime           = "nodejs22"
    entry_point       = "stripeWebhook"
    service_account   = google_service_account.build.id
    docker_repository = google_artifact_registry_repository.functions.id

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    service_account_email          = google_service_account.webhook.email
    available_memory               = var.memory
    timeout_seconds                = local.webhook_timeout_seconds
    min_instance_count             = var.min_instances
    max_instance_count             = var.max_instances
    ingress_settings               = "ALLOW_ALL"
    all_traffic_on_latest_revision = true

    environment_variables = {
      GOOGLE_CLOUD_PROJECT = var.project_id
      PUBSUB_TOPIC         = google_pubsub_topic.events.name
      CREDENTIALS_REVISION = var.credentials_revision
    }

    dynamic "secret_environment_variables" {
      for_each = [for name, reader in local.credentials : name if reader == "webhook"]
      iterator = credential

      content {
        key        = credential.value
        project_id = var.project_id
        secret     = google_secret_manager_secret.credential[credential.value].secret_id
        version    = "latest"
      }
    }
  }

  lifecycle {
    precondition {
      condition     = var.min_instances <= var.max_instances
      error_message = "min_instances must not exceed max_instances."
    }
  }

  depends_on = [
    google_secret_manager_secret_iam_member.credential_reader,
    google_storage_bucket_iam_member.build_source_reader,
    google_artifact_registry_repository_iam_member.build_image_writer,
    google_project_iam_member.build_log_writer,
  ]
}

resource "google_cloudfunctions2_function" "refund_sync" {
  name        = local.refund_sync_function_name
  location    = var.region
  description = "Marks the Moltin order transaction of a fully refunded Stripe charge refunded."

  build_config {
    runtime           = "nodejs22"
    entry_point       = "refundSync"
    service_account   = google_service_account.build.id
    docker_repository = google_artifact_registry_repository.functions.id

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    service_account_email          = google_service_account.refund_sync.email
    available_memory               = var.memory
    timeout_seconds                = var.refund_sync_timeout_seconds
    min_instance_count             = var.min_instances
    max_instance_count             = var.max_instances
    ingress_settings               = "ALLOW_ALL"
    all_traffic_on_latest_revision = true

    environment_variables = merge(
      {
        GOOGLE_CLOUD_PROJECT  = var.project_id
        DEAD_LETTER_TOPIC     = google_pubsub_topic.dead_letter.name
        ORDER_ID_METADATA_KEY = var.order_id_metadata_key
        REQUEST_TIMEOUT_MS    = tostring(var.request_timeout_ms)
        CREDENTIALS_REVISION  = var.credentials_revision
      },
      var.moltin_api_url == "" ? {} : { MOLTIN_API_URL = var.moltin_api_url },
    )

    dynamic "secret_environment_variables" {
      for_each = [for name, reader in local.credentials : name if reader == "refund_sync"]
      iterator = credential

      content {
        key        = credential.value
        project_id = var.project_id
        secret     = google_secret_manager_secret.credential[credential.value].secret_id
        version    = "latest"
      }
    }
  }

  lifecycle {
    precondition {
      condition     = var.min_instances <= var.max_instances
      error_message = "min_instances must not exceed max_instances."
    }
    precondition {
      condition     = var.request_timeout_ms < var.refund_sync_timeout_seconds * 1000
      error_message = "request_timeout_ms must be below refund_sync_timeout_seconds."
    }
  }

  depends_on = [
    google_secret_manager_secret_iam_member.credential_reader,
    google_storage_bucket_iam_member.build_source_reader,
    google_artifact_registry_repository_iam_member.build_image_writer,
    google_project_iam_member.build_log_writer,
  ]
}
