terraform {
  required_version = ">= 1.5"

  required_providers {
    # 6.50 is the release the test suite checks this configuration against
    # (test/infra/fixtures/provider-schema.json).
    google = {
      source  = "hashicorp/google"
      version = ">= 6.50, < 7.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.4, < 3.0"
    }
  }

  # State is local until this block is uncommented: keep it in a GCS bucket
  # once more than one person (or Cloud Build) applies: see README, Deploy.
  # backend "gcs" {
  #   bucket = "YOUR-STATE-BUCKET"
  #   prefix = "sync-stripe-to-moltin"
  # }
}

provider "google" {
  project = var.project_id
  region  = var.region

  default_labels = {
    app = "sync-stripe-to-moltin"
  }
}
