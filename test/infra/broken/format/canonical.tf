# Already canonical: only the other files are broken.
resource "google_pubsub_topic" "inspection" {
  name                       = "stripe-events-inspection"
  message_retention_duration = "604800s"
}
