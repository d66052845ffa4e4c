// Package deploy holds flowbot's deployment files: the container image's
// Dockerfile, a Compose file that runs flowbot with Redis, and Kubernetes
// manifests under kubernetes/. It has no Go code of its own; its test checks
// those files without a container engine or a cluster (docs/deploy.md walks
// through them).
package deploy
