output "webhook_url" {
  description = "Register this URL in Stripe as a webhook endpoint for charge.refunded events."
  value       = google_cloudfunctions2_function.webhook.url
}

output "refund_sync_url" {
  description = "refundSync's URL; only the push subscription may call it."
  value       = google_cloudfunctions2_function.refund_sync.service_config[0].uri
}

output "events_topic" {
  description = "Topic stripeWebhook publishes verified events to."
  value       = google_pubsub_topic.events.name
}

output "dead_letter_topic" {
  description = "Topic of the events that could not be synced."
  value       = google_pubsub_topic.dead_letter.name
}

output "push_subscription" {
  description = "Subscription that delivers charge.refunded events to refundSync."
  value       = google_pubsub_subscription.refund_sync.name
}

output "dead_letter_subscription" {
  description = "Pull subscription holding the dead letters for inspection and replay."
  value       = google_pubsub_subscription.dead_letter_inspection.name
}

output "secret_names" {
  description = "Secrets to give values with `npm run secrets -- add`."
  value       = sort(keys(google_secret_manager_secret.credential))
}

output "list_dead_letters_command" {
  description = "Lists the dead letters; run it from the repository root."
  value = join(" ", [
    "npm run dlq -- list",
    "--project ${var.project_id}",
    "--subscription ${google_pubsub_subscription.dead_letter_inspection.name}",
  ])
}
