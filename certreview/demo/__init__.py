"""A realistic synthetic department, and the certificate pictures it is made of."""
