"""What leaves the office: exports, safe spreadsheets, statistics, notices and the student report."""
