"""Events, their phases, and the people who join them."""
