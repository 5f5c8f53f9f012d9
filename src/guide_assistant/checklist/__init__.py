"""What to do, by phase and role: checklist rows, next activities, phase progress, the progress model."""
