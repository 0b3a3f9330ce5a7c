"""The write side: each public function here is one transaction (one unit of work)."""
