"""Bundled demo material: a short scripted crisis (`crisis.jsonl`) the demo source replays."""
