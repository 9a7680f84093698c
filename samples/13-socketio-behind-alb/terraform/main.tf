# An ALB with the default 60s idle timeout in front of nginx serving a socket.io app.
resource "aws_lb" "chat" {
  name    = "chat"
  subnets = ["subnet-0a", "subnet-0b"]
}

resource "aws_lb_target_group" "chat" {
  name     = "chat"
  port     = 8192
  protocol = "HTTP"
  vpc_id   = "vpc-0a"
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.chat.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.chat.arn
  }
}
