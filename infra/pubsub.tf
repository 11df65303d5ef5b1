# Verified Stripe events, published by stripeWebhook.
resource "google_pubsub_topic" "events" {
  name = local.events_topic_name

  depends_on = [google_project_service.enabled]
}

# Events that cannot be synced: published by refundSync when a failure is
# permanent, and by Pub/Sub when an event used up its delivery attempts.
resource "google_pubsub_topic" "dead_letter" {
  name = local.dead_letter_topic_name

  depends_on = [google_project_service.enabled]
}

# Delivers charge.refunded events to refundSync, signed with an OIDC token
# that only the push service account can obtain.
resource "google_pubsub_subscription" "refund_sync" {
  name   = local.push_subscription_name
  topic  = google_pubsub_topic.events.id
  filter = "attributes.event_type = \"charge.refunded\""

  # Pub/Sub waits this long for refundSync's answer before it redelivers,
  # so it must outlast the function's own timeout.
  ack_deadline_seconds       = local.push_ack_deadline_seconds
  message_retention_duration = local.message_retention

  push_config {
    push_endpoint = google_cloudfunctions2_function.refund_sync.service_config[0].uri

    oidc_token {
      service_account_email = google_service_account.push.email
      audience              = google_cloudfunctions2_function.refund_sync.service_config[0].uri
    }
  }

  retry_policy {
    minimum_backoff = "${var.retry_minimum_backoff_seconds}s"
    maximum_backoff = "${var.retry_maximum_backoff_seconds}s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }

  lifecycle {
    precondition {
      condition     = var.retry_minimum_backoff_seconds <= var.retry_maximum_backoff_seconds
      error_message = "retry_minimum_backoff_seconds must not exceed retry_maximum_backoff_seconds."
    }
  }

  depends_on = [
    google_pubsub_topic_iam_member.dead_letter_forwarder,
    google_cloud_run_v2_service_iam_member.refund_sync_invoker,
  ]
}

# Holds dead letters for operators to inspect and replay (`npm run dlq`).
resource "google_pubsub_subscription" "dead_letter_inspection" {
  name                       = local.dead_letter_inspection_name
  topic                      = google_pubsub_topic.dead_letter.id
  ack_deadline_seconds       = 60
  message_retention_duration = local.message_retention

  expiration_policy {
    ttl = ""
  }
}
