# An ALB with the default 60s idle timeout in front of nginx on port 8185.
resource "aws_lb" "shop" {
  name = "shop"
}

resource "aws_lb_target_group" "shop" {
  port     = 8185
  protocol = "HTTP"
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.shop.arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.shop.arn
  }
}
