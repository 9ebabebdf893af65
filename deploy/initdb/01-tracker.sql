-- The conversation store lives next to the CRM; the bot refuses to start if it is missing.
CREATE DATABASE xiaoer_tracker OWNER xiaoer;
