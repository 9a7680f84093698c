# An ALB (idle timeout 60s by default) sending traffic straight to Tomcat, no nginx in between.
resource "aws_lb" "app" {
  name    = "app"
  subnets = ["subnet-0a", "subnet-0b"]
}

resource "aws_lb_target_group" "app" {
  name     = "app"
  port     = 8196
  protocol = "HTTP"
  vpc_id   = "vpc-0a"
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.app.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}
