# Planted: primitive roles, granted directly and through a local.

locals {
  deployer_roles = ["roles/owner", "roles/logging.logWriter"]
}

resource "google_service_account" "deployer" {
  account_id = "deployer"
}

resource "google_project_iam_member" "editor" {
  project = "broken-policy"
  role    = "roles/editor"
  member  = "serviceAccount:${google_service_account.deployer.email}"
}

resource "google_project_iam_member" "deployer" {
  for_each = toset(local.deployer_roles)

  project = "broken-policy"
  role    = each.value
  member  = "serviceAccount:${google_service_account.deployer.email}"
}

# Correct: a predefined role whose name merely contains "viewer".
resource "google_project_iam_member" "log_viewer" {
  project = "broken-policy"
  role    = "roles/logging.viewer"
  member  = "serviceAccount:${google_service_account.deployer.email}"
}
