# A network load balancer (TCP idle timeout 350s by default) in front of nginx.
resource "aws_lb" "edge" {
  name               = "edge"
  load_balancer_type = "network"
  subnets            = ["subnet-0a"]
}

resource "aws_lb_target_group" "edge" {
  name     = "edge"
  port     = 8181
  protocol = "TCP"
  vpc_id   = "vpc-0a"
}

resource "aws_lb_listener" "tcp" {
  load_balancer_arn = aws_lb.edge.arn
  port              = 80
  protocol          = "TCP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.edge.arn
  }
}
