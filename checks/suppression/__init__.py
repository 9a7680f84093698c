"""Suppression rules (N001): the inline suppressions themselves, judged after they are applied."""
