# Planted: a lone interpolation in quotes, and a quoted legacy type.
variable "topic" {
  type        = "string"
  description = "Topic name."
}

resource "google_pubsub_topic" "dead_letter" {
  name = "${var.topic}"
}
