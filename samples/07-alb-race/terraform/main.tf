# An ALB raised to 120s for slow uploads, in front of nginx on an EC2 instance.
variable "idle_timeout" {
  description = "Seconds the ALB keeps an idle connection"
  default     = 120
}

resource "aws_lb" "web" {
  name               = "web"
  load_balancer_type = "application"
  idle_timeout       = var.idle_timeout
  subnets            = ["subnet-0a", "subnet-0b"]
}

resource "aws_lb_target_group" "web" {
  name     = "web"
  port     = 8180
  protocol = "HTTP"
  vpc_id   = "vpc-0a"
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}

resource "aws_instance" "web" {
  ami           = "ami-0abcdef"
  instance_type = "t3.small"
  user_data     = <<-EOT
    #!/bin/bash
    apt-get install -y nginx
    cp /opt/site/nginx.conf /etc/nginx/nginx.conf
    systemctl restart nginx
  EOT
}

resource "aws_lb_target_group_attachment" "web" {
  target_group_arn = aws_lb_target_group.web.arn
  target_id        = aws_instance.web.id
  port             = 8180
}
