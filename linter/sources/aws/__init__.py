"""AWS load balancers declared outside Terraform: CloudFormation templates and the
annotations the AWS Load Balancer Controller reads on Kubernetes Ingresses and Services."""
