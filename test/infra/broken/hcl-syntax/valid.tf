# Parses: only main.tf is broken.
variable "project_id" {
  type        = string
  description = "Project."
}
