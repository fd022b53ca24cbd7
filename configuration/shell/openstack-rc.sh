# lab-operator OpenStack START
# Managed by lab-operator: this block is replaced, never duplicated.
# Keep the openstack command's (Cliff) tables within the terminal's width.
openstack_cliff() {
  export CLIFF_MAX_TERM_WIDTH=$(tput cols)
}
if [ "$TERM" != dumb ]; then
  trap openstack_cliff WINCH
  openstack_cliff
fi
# lab-operator OpenStack END
