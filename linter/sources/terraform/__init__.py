"""Terraform: load balancers declared in `.tf` and `.tf.json` files."""
