"""Kubernetes manifests, kustomizations and chart values; ingress controllers' pools."""
