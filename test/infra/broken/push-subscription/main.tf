# Planted: push subscriptions without an OIDC token, without an audience,
# without a retry policy and without a dead-letter policy. The dead-letter
# topic itself is wired correctly.

locals {
  pubsub_service_agent = "service-123456789012@gcp-sa-pubsub.iam.gserviceaccount.com"
  endpoint             = "https://refund-sync-abc123-ew.a.run.app"
}

resource "google_service_account" "push" {
  account_id = "push"
}

resource "google_pubsub_topic" "events" {
  name = "stripe-events"
}

resource "google_pubsub_topic" "dead_letter" {
  name = "stripe-events-dead-letter"
}

resource "google_pubsub_subscription" "inspection" {
  name  = "stripe-events-dead-letter-inspect"
  topic = google_pubsub_topic.dead_letter.id
}

resource "google_pubsub_topic_iam_member" "forwarder" {
  topic  = google_pubsub_topic.dead_letter.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${local.pubsub_service_agent}"
}

resource "google_pubsub_subscription" "no_oidc" {
  name  = "no-oidc"
  topic = google_pubsub_topic.events.id

  push_config {
    push_endpoint = local.endpoint
  }

  retry_policy {
    minimum_backoff = "10s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = 10
  }
}

resource "google_pubsub_subscription_iam_member" "no_oidc" {
  subscription = google_pubsub_subscription.no_oidc.id
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${local.pubsub_service_agent}"
}

resource "google_pubsub_subscription" "no_audience" {
  name  = "no-audience"
  topic = google_pubsub_topic.events.id

  push_config {
    push_endpoint = local.endpoint

    oidc_token {
      service_account_email = google_service_account.push.email
    }
  }

  retry_policy {
    minimum_backoff = "10s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = 10
  }
}

resource "google_pubsub_subscription_iam_member" "no_audience" {
  subscription = google_pubsub_subscription.no_audience.id
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${local.pubsub_service_agent}"
}

resource "google_pubsub_subscription" "no_retry_policy" {
  name  = "no-retry-policy"
  topic = google_pubsub_topic.events.id

  push_config {
    push_endpoint = local.endpoint

    oidc_token {
      service_account_email = google_service_account.push.email
      audience              = local.endpoint
    }
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = 10
  }
}

resource "google_pubsub_subscription_iam_member" "no_retry_policy" {
  subscription = google_pubsub_subscription.no_retry_policy.id
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${local.pubsub_service_agent}"
}

resource "google_pubsub_subscription" "no_dead_letter_policy" {
  name  = "no-dead-letter-policy"
  topic = google_pubsub_topic.events.id

  push_config {
    push_endpoint = local.endpoint

    oidc_token {
      service_account_email = google_service_account.push.email
      audience              = local.endpoint
    }
  }

  retry_policy {
    minimum_backoff = "10s"
  }
}

# Correct: a pull subscription needs none of these.
resource "google_pubsub_subscription" "pull" {
  name  = "pull"
  topic = google_pubsub_topic.events.id
}
