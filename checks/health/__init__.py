"""Health-check rules (HC001): a probe must prove the backend answers HTTP, not only that its port accepts connections."""
