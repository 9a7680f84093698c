# An ALB with the default 60s idle timeout in front of nginx on port 8185.
resource "aws_lb" "shop" {
  name    = "shop"
  subnets = ["subnet-0a", "subnet-0b"]
}

resource "aws_lb_target_group" "shop" {
  name     = "shop"
  port     = 8185
  protocol = "HTTP"
  vpc_id   = "vpc-0a"
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.shop.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.shop.arn
  }
}
