# Planted: an attribute with no value, and a block left open.
resource "google_pubsub_topic" "events" {
  name =
}

resource "google_pubsub_topic" "dead_letter" {
  name = "stripe-events-dead-letter"
