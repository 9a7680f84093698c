# An NLB in front of port 8186; nginx beside it listens there.
resource "aws_lb" "shop" {
  name               = "shop"
  load_balancer_type = "network"
}

resource "aws_lb_target_group" "shop" {
  port     = 8186
  protocol = "TCP"
}

resource "aws_lb_listener" "tcp" {
  load_balancer_arn = aws_lb.shop.arn
  protocol          = "TCP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.shop.arn
  }
}
