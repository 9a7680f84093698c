"""Front-tier rules (LB001, LB002): the load balancer in front of nginx and nginx must agree on when an idle connection ends."""
