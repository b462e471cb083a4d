"""The published layer: the marts (one SQL file each under sql/, its header is its registry entry), the
snapshot people query, and the charts page drawn from the marts."""
