
# --- Sonde toolbox (appended to Debian's /etc/bash.bashrc) ---
# The prompt says this shell is a Sonde toolbox and whose network it is in:
# Sonde sets SONDE_TARGET (e.g. "web-1", "network backend", "host"), so a
# shell opened next to another container is never mistaken for that container.
# Shape: "sonde[web-1]:~# ", or "sonde:~# " when started outside Sonde.
PS1='\[\e[1;36m\]sonde${SONDE_TARGET:+[$SONDE_TARGET]}\[\e[0m\]:\[\e[1;34m\]\w\[\e[0m\]\$ '
