"""The pure core: values, rules and events. No I/O, no database, no clock calls."""
