"""A community's rhythm: event series, topics carried from one event to the next, and Edcamps near you."""
