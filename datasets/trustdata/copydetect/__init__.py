"""Copy-detection dev set: genuine sources, repost edits, distractors."""
