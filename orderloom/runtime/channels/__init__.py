"""Channels: where orders come from. Channels and their payloads (models),
field mappings and presets, turning a payload into an order once (ingestion),
order files and background imports, and stock sync back to channels."""
