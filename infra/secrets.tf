# One secret per credential (locals.tf). Terraform creates the secrets and
# who may read them (iam.tf), never their values: `npm run secrets` adds
# those as new versions, so no credential is in state, a plan or tfvars.
resource "google_secret_manager_secret" "credential" {
  for_each = local.credentials

  secret_id = each.key

  replication {
    auto {}
  }

  depends_on = [google_project_service.enabled]
}
