"""Launch commands and Kubernetes / KServe manifests for a plan."""
