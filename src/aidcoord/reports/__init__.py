"""Reports over several domains (burden sharing, …), as tables for the CLI, the API and exports."""
