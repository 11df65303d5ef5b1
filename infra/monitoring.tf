locals {
  undelivered_messages_metric = "pubsub.googleapis.com/subscription/num_undelivered_messages"
  oldest_unacked_age_metric   = "pubsub.googleapis.com/subscription/oldest_unacked_message_age"
}

resource "google_monitoring_notification_channel" "email" {
  count = var.alert_email == "" ? 0 : 1

  display_name = "${var.name_prefix} alerts"
  type         = "email"

  labels = {
    email_address = var.alert_email
  }

  depends_on = [google_project_service.enabled]
}

# Any dead letter is an event whose refund did not reach Moltin.
resource "google_monitoring_alert_policy" "dead_letters" {
  display_name          = "${var.name_prefix}: dead-lettered Stripe events"
  combiner              = "OR"
  notification_channels = google_monitoring_notification_channel.email[*].id

  conditions {
    display_name = "Dead-letter subscription holds messages"

    condition_threshold {
      filter = join(" AND ", [
        "resource.type = \"pubsub_subscription\"",
        "resource.labels.subscription_id = \"${local.dead_letter_inspection_name}\"",
        "metric.type = \"${local.undelivered_messages_metric}\"",
      ])
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_MAX"
      }

      trigger {
        count = 1
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = <<-EOT
      Refunds that could not be synced to Moltin wait in
      `${google_pubsub_subscription.dead_letter_inspection.name}`. List them with
      `npm run dlq -- list`, fix the cause (each message carries its reason),
      then replay them.
    EOT
  }

  depends_on = [google_project_service.enabled]
}

# A backlog means refundSync keeps failing, or cannot keep up.
resource "google_monitoring_alert_policy" "refund_backlog" {
  display_name          = "${var.name_prefix}: refunds waiting for refundSync"
  combiner              = "OR"
  notification_channels = google_monitoring_notification_channel.email[*].id

  conditions {
    display_name = "Oldest unacknowledged event is older than ${var.oldest_unacked_alert_seconds}s"

    condition_threshold {
      filter = join(" AND ", [
        "resource.type = \"pubsub_subscription\"",
        "resource.labels.subscription_id = \"${local.push_subscription_name}\"",
        "metric.type = \"${local.oldest_unacked_age_metric}\"",
      ])
      comparison      = "COMPARISON_GT"
      threshold_value = var.oldest_unacked_alert_seconds
      duration        = "300s"

      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }

      trigger {
        count = 1
      }
    }
  }

  documentation {
    mime_type = "text/markdown"
    content   = <<-EOT
      Events wait in `${google_pubsub_subscription.refund_sync.name}` longer
      than expected. refundSync's logs say which failure it keeps retrying;
      events that use up their delivery attempts move to the dead letters.
    EOT
  }

  depends_on = [google_project_service.enabled]
}
