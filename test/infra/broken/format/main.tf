# Planted: the "=" of name is not aligned with its neighbours'.
resource "google_pubsub_topic" "events" {
  name = "stripe-events"
  message_retention_duration = "604800s"
}
