variable "project_id" {
  type        = string
  description = "ID of the Google Cloud project the service runs in."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project ID (6-30 letters, digits, hyphens)."
  }
}

variable "region" {
  type        = string
  description = "Region of the functions, the source bucket and the image repository."
  default     = "europe-west1"

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a region such as europe-west1 or us-central1."
  }
}

variable "name_prefix" {
  type        = string
  description = "Prefix of the functions', service accounts', bucket's and alerts' names."
  default     = "stripe-moltin"

  validation {
    # A service account ID has at most 30 characters; "-refund-sync" is 12.
    condition     = can(regex("^[a-z][a-z0-9-]{1,16}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-18 lowercase letters, digits or hyphens."
  }
}

variable "max_delivery_attempts" {
  type        = number
  description = "Deliveries of an event to refundSync before it is dead-lettered."
  default     = 10

  validation {
    condition = (
      var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100 &&
      floor(var.max_delivery_attempts) == var.max_delivery_attempts
    )
    error_message = "max_delivery_attempts must be a whole number from 5 to 100."
  }
}

variable "retry_minimum_backoff_seconds" {
  type        = number
  description = "Wait before the first redelivery to refundSync; later waits grow."
  default     = 10

  validation {
    condition = (
      var.retry_minimum_backoff_seconds >= 0 &&
      var.retry_minimum_backoff_seconds <= 600
    )
    error_message = "retry_minimum_backoff_seconds must be from 0 to 600."
  }
}

variable "retry_maximum_backoff_seconds" {
  type        = number
  description = "Longest wait between two redeliveries to refundSync."
  default     = 600

  validation {
    condition = (
      var.retry_maximum_backoff_seconds >= 0 &&
      var.retry_maximum_backoff_seconds <= 600
    )
    error_message = "retry_maximum_backoff_seconds must be from 0 to 600."
  }
}

variable "refund_sync_timeout_seconds" {
  type        = number
  description = "How long refundSync may work on one event."
  default     = 60

  validation {
    # The push ack deadline is set 30 seconds above this, and Pub/Sub
    # allows at most 600.
    condition = (
      var.refund_sync_timeout_seconds >= 10 &&
      var.refund_sync_timeout_seconds <= 570 &&
      floor(var.refund_sync_timeout_seconds) == var.refund_sync_timeout_seconds
    )
    error_message = "refund_sync_timeout_seconds must be a whole number from 10 to 570."
  }
}

variable "request_timeout_ms" {
  type        = number
  description = "Timeout of each call refundSync makes to Stripe, Moltin and Pub/Sub."
  default     = 10000

  validation {
    condition = (
      var.request_timeout_ms >= 1000 && var.request_timeout_ms <= 300000 &&
      floor(var.request_timeout_ms) == var.request_timeout_ms
    )
    error_message = "request_timeout_ms must be a whole number from 1000 to 300000."
  }
}

variable "min_instances" {
  type        = number
  description = "Instances of each function kept warm; 0 lets them scale to zero."
  default     = 0

  validation {
    condition = (
      var.min_instances >= 0 && var.min_instances <= 100 &&
      floor(var.min_instances) == var.min_instances
    )
    error_message = "min_instances must be a whole number from 0 to 100."
  }
}

variable "max_instances" {
  type        = number
  description = "Most instances of each function: caps cost and the load on Moltin."
  default     = 10

  validation {
    condition = (
      var.max_instances >= 1 && var.max_instances <= 1000 &&
      floor(var.max_instances) == var.max_instances
    )
    error_message = "max_instances must be a whole number from 1 to 1000."
  }
}

variable "memory" {
  type        = string
  description = "Memory of each function instance."
  default     = "256Mi"

  validation {
    condition     = contains(["128Mi", "256Mi", "512Mi", "1Gi", "2Gi", "4Gi"], var.memory)
    error_message = "memory must be one of 128Mi, 256Mi, 512Mi, 1Gi, 2Gi or 4Gi."
  }
}

variable "alert_email" {
  type        = string
  description = "Address the alerts are sent to; empty creates them without one."
  default     = ""

  validation {
    condition = var.alert_email == "" || can(regex(
      "^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$", var.alert_email
    ))
    error_message = "alert_email must be an email address, or empty."
  }
}

variable "oldest_unacked_alert_seconds" {
  type        = number
  description = "Alert when an event has waited for refundSync longer than this."
  default     = 1800

  validation {
    # Events are retained for 7 days; an older threshold never fires.
    condition = (
      var.oldest_unacked_alert_seconds >= 60 &&
      var.oldest_unacked_alert_seconds <= 604800
    )
    error_message = "oldest_unacked_alert_seconds must be from 60 to 604800."
  }
}

variable "moltin_api_url" {
  type        = string
  description = "Your store's Moltin (Elastic Path) API; empty uses the SDK's default."
  default     = ""

  validation {
    condition = var.moltin_api_url == "" || can(regex(
      "^https://[^/[:space:]]+(/[^[:space:]]*)?$", var.moltin_api_url
    ))
    error_message = "moltin_api_url must be an https URL, or empty."
  }
}

variable "order_id_metadata_key" {
  type        = string
  description = "Key of the Stripe charge metadata that holds the Moltin order ID."
  default     = "order_id"

  validation {
    # Stripe's limits: 40 characters, no square brackets.
    condition     = can(regex("^[^][[:space:]]{1,40}$", var.order_id_metadata_key))
    error_message = "order_id_metadata_key must be 1-40 characters, no spaces or brackets."
  }
}

variable "credentials_revision" {
  type        = string
  description = "Change it to roll every function instance onto new secret versions."
  default     = "1"

  validation {
    condition     = length(trimspace(var.credentials_revision)) > 0
    error_message = "credentials_revision must not be empty."
  }
}
