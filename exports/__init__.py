"""Exports of the agenda: calendars, conference-app formats, files."""
