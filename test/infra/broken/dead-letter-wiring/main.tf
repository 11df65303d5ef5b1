# Planted: a dead-letter topic nobody subscribes to and the service agent
# may not publish to, a subscription whose dead letters the service agent
# may not acknowledge, and a dead-letter policy naming a topic not here.
# The correct pair shows the full wiring.

locals {
  pubsub_service_agent = "service-123456789012@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_pubsub_topic" "events" {
  name = "stripe-events"
}

resource "google_pubsub_topic" "unwired_dead_letter" {
  name = "unwired-dead-letter"
}

resource "google_pubsub_subscription" "to_unwired" {
  name  = "to-unwired"
  topic = google_pubsub_topic.events.id

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.unwired_dead_letter.id
    max_delivery_attempts = 10
  }
}

resource "google_pubsub_subscription_iam_member" "to_unwired" {
  subscription = google_pubsub_subscription.to_unwired.id
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${local.pubsub_service_agent}"
}

resource "google_pubsub_subscription" "elsewhere" {
  name  = "elsewhere"
  topic = google_pubsub_topic.events.id

  dead_letter_policy {
    dead_letter_topic     = "projects/another-project/topics/dead-letter"
    max_delivery_attempts = 10
  }
}

resource "google_pubsub_subscription_iam_member" "elsewhere" {
  subscription = google_pubsub_subscription.elsewhere.id
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${local.pubsub_service_agent}"
}

resource "google_pubsub_topic" "dead_letter" {
  name = "stripe-events-dead-letter"
}

resource "google_pubsub_subscription" "inspection" {
  name  = "stripe-events-dead-letter-inspect"
  topic = google_pubsub_topic.dead_letter.name
}

resource "google_pubsub_topic_iam_member" "forwarder" {
  topic  = google_pubsub_topic.dead_letter.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${local.pubsub_service_agent}"
}

# Correct but for one grant: the service agent is not its subscriber.
resource "google_pubsub_subscription" "unacknowledged" {
  name  = "unacknowledged"
  topic = google_pubsub_topic.events.id

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = 10
  }
}

# Correct: fully wired, with the topic named by its name.
resource "google_pubsub_subscription" "wired" {
  name  = "wired"
  topic = google_pubsub_topic.events.id

  dead_letter_policy {
    dead_letter_topic     = "projects/broken-policy/topics/stripe-events-dead-letter"
    max_delivery_attempts = 10
  }
}

resource "google_pubsub_subscription_iam_member" "wired" {
  subscription = google_pubsub_subscription.wired.name
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${local.pubsub_service_agent}"
}
