# ~/.bashrc for root in the Sonde toolbox. The prompt is set in /etc/bash.bashrc.

# Everyone shares the console's terminal; keep the history of this short-lived
# container in memory only.
unset HISTFILE
HISTSIZE=5000
HISTCONTROL=ignoredups

export LESS=-R
eval "$(dircolors -b)"
alias ls='ls --color=auto'
alias ll='ls -l'
alias la='ls -lA'
alias grep='grep --color=auto'
alias ip='ip -color=auto'
