# An NLB (TCP idle timeout 350s by default) in front of nginx on port 8186.
resource "aws_lb" "shop" {
  name               = "shop"
  load_balancer_type = "network"
  subnets            = ["subnet-0a", "subnet-0b"]
}

resource "aws_lb_target_group" "shop" {
  name     = "shop"
  port     = 8186
  protocol = "TCP"
  vpc_id   = "vpc-0a"
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.shop.arn
  port              = 80
  protocol          = "TCP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.shop.arn
  }
}
