"""Telling people and systems: outbound webhooks (webhooks, webhook_sending),
the notify action's messages (order_messages), mail and in-app notifications."""
